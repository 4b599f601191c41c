CREATE TABLE t553 (id bigint PRIMARY KEY, name text NOT NULL);
