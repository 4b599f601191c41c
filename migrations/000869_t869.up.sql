CREATE TABLE t869 (id bigint PRIMARY KEY, name text NOT NULL);
