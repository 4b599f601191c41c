CREATE TABLE t603 (id bigint PRIMARY KEY, name text NOT NULL);
