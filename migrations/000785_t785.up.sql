CREATE TABLE t785 (id bigint PRIMARY KEY, name text NOT NULL);
