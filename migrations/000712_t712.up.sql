CREATE TABLE t712 (id bigint PRIMARY KEY, name text NOT NULL);
