CREATE TABLE t749 (id bigint PRIMARY KEY, name text NOT NULL);
