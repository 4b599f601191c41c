CREATE TABLE t945 (id bigint PRIMARY KEY, name text NOT NULL);
