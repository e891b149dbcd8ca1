import { Field, ObjectType } from 'type-graphql';
import { Category } from '../category.directive';
import { StoredRecord } from './record';

@ObjectType()
export class Email extends StoredRecord {
  @Field(() => String, { nullable: true }) @Category('contact.email') address!: string | null;
  @Field(() => Boolean, { nullable: true }) @Category('contact.email') primary!: boolean | null;
}

@ObjectType()
export class Phone extends StoredRecord {
  @Field(() => String, { nullable: true }) @Category('contact.phone') number!: string | null;
  @Field(() => String, { nullable: true, description: 'mobile, home, work' }) @Category('contact.phone') kind!: string | null;
}

@ObjectType()
export class PostalAddress extends StoredRecord {
  @Field(() => String, { nullable: true }) @Category('contact.address') line1!: string | null;
  @Field(() => String, { nullable: true }) @Category('contact.address') line2!: string | null;
  @Field(() => String, { nullable: true }) @Category('contact.address') city!: string | null;
  @Field(() => String, { nullable: true }) @Category('contact.address') postcode!: string | null;
  @Field(() => String, { nullable: true }) @Category('contact.address') country!: string | null;
}

@ObjectType()
export class SocialAccount extends StoredRecord {
  @Field(() => String, { nullable: true }) @Category('contact.social_media') platform!: string | null;
  @Field(() => String, { nullable: true }) @Category('contact.social_media') handle!: string | null;
}
