CREATE TABLE t196 (id bigint PRIMARY KEY, name text NOT NULL);
